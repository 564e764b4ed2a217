module gee-orm/day6-transaction

go 1.26

require github.com/mattn/go-sqlite3 v1.14.53
