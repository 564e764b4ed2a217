module gee-web/bench

go 1.26
