module gee-cache/day7-proto-buf

go 1.26
