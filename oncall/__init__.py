"""oncall: phone routing and paging for Nordic software vendors (the IO shell)."""
