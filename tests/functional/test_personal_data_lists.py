"""Officers' lists show an applicant's ID number masked and never the phone or the address;
the case page (one applicant, for handling the case) shows them in full."""

from .test_requests import resident_id, submit_case

PHONE = "13912345678"
ADDRESS = "咸阳市秦都区渭阳西路88号3单元"


def test_officer_list_masks_the_id_number_and_hides_phone_and_address(
    testapp, dbsession, civil, make_user
):
    id_number = resident_id("61040219850315123")
    case = submit_case(
        testapp,
        dbsession,
        name="陈十三",
        id_number=id_number,
        phone=PHONE,
        address=ADDRESS,
        postcode="712000",
        organisation=civil.code,
        description="请提供2026年城乡医疗救助资金拨付情况",
        delivery_channel="post",
    )
    testapp.login(make_user(civil).email)

    for url in ("/officer/requests", "/officer/requests?status=all"):
        listing = testapp.get(url).text
        assert case.tracking_number in listing and "陈十三" in listing
        assert id_number not in listing
        assert id_number[:4] + "*" * 10 + id_number[-4:] in listing
        assert PHONE not in listing and ADDRESS not in listing

    page = testapp.get(f"/officer/requests/{case.id}").text
    assert id_number in page and PHONE in page and ADDRESS in page
