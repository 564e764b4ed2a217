module gee-rpc/day6-load-balance

go 1.26
