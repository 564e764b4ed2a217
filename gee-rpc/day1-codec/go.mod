module gee-rpc/day1-codec

go 1.26
