module gee-cache/day4-consistent-hash

go 1.26
