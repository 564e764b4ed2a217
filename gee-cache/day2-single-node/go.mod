module gee-cache/day2-single-node

go 1.26
