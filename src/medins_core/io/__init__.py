"""Reading and writing the files users exchange: rosters, templates and notices (CSV, XLSX)."""
