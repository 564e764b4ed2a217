// Package bench compares gee-orm's final chapter (day8-performance, sub-benchmark
// gee) and the chapter before it (day7-migrate, gee-day7) with raw
// database/sql, sqlx and gorm (with gorm.io/driver/sqlite, which is built on
// the same github.com/mattn/go-sqlite3) on SQLite in memory, with an
// 8-column model. The cases are: insert one row, read one row by its id,
// read 100 rows, update one column of one row.
//
//	go test -run '^$' -bench . -benchmem ./gee-orm/bench
//
// Sub-benchmarks are named gee, gee-day7, sql, sqlx and gorm, as the repository's
// `go run ./scripts/gee bench gee-orm` expects. The peers are dependencies of
// this module only; the chapters use just go-sqlite3.
//
// Every implementation gets its own shared-cache in-memory database with
// the same table definition. geeorm's statement log is disabled, gorm runs
// with its logger silenced and SkipDefaultTransaction (the setting gorm's
// documentation gives for speed), and sqlx uses its idiomatic calls
// (NamedExec, Get, Select).
package bench
