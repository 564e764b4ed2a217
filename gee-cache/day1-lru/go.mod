module gee-cache/day1-lru

go 1.26
