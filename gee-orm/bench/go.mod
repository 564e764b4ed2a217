module gee-orm/bench

go 1.26
