module gee-orm/bench

go 1.26

require (
	github.com/jinzhu/inflection v1.0.0 // indirect
	github.com/jinzhu/now v1.1.5 // indirect
	github.com/jmoiron/sqlx v1.4.0
	github.com/mattn/go-sqlite3 v1.14.53
	golang.org/x/text v0.20.0 // indirect
	gorm.io/driver/sqlite v1.6.0
	gorm.io/gorm v1.31.2
)
