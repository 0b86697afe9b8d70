"""Formats for open data exchange (publiccode.yml, spreadsheets): pure mapping and checking.

Nothing here touches the database or Flask; services load and authorise, these modules convert.
"""
