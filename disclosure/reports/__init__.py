"""The annual report (政府信息公开工作年度报告; DOMAIN.md §5): figures computed from the data."""
