module gee-orm/day5-hooks

go 1.26
