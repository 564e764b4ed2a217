module gee-cache/bench

go 1.26
