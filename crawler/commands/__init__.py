"""Project commands: outlets, extract, reextract, wacz, archive-sync."""
