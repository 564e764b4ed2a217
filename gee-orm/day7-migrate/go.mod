module gee-orm/day7-migrate

go 1.26
