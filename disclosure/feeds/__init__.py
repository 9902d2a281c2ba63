"""Feeds and the sitemap: the public catalogue for feed readers and search engines."""
