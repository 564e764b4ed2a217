module gee-orm/day6-transaction

go 1.26
