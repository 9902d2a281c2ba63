def test_home_page_lists_organisations(testapp):
    res = testapp.get("/")
    assert "咸阳市人民政府" in res.text
