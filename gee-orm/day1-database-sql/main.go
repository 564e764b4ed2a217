// Command day1-database-sql shows geeorm's first step: an engine opens a
// SQLite database and a session runs raw SQL, logging every statement.
//
//	go run ./gee-orm/day1-database-sql [-db path]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"gee-orm/day1-database-sql/geeorm"

	_ "github.com/mattn/go-sqlite3"
)

func main() {
	dbPath := flag.String("db", filepath.Join(os.TempDir(), "gee-orm-demo.db"), "SQLite database file to use")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: %s [-db path]\nRuns raw SQL through a geeorm session and logs every statement.\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*dbPath); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(dbPath string) error {
	engine, err := geeorm.NewEngine("sqlite3", dbPath)
	if err != nil {
		return err
	}
	defer engine.Close()

	s := engine.NewSession()
	if _, err := s.Raw("DROP TABLE IF EXISTS User").Exec(); err != nil {
		return err
	}
	if _, err := s.Raw("CREATE TABLE User(Name text)").Exec(); err != nil {
		return err
	}
	// Creating it again fails: the error is logged and returned.
	if _, err := s.Raw("CREATE TABLE User(Name text)").Exec(); err != nil {
		fmt.Println("second CREATE TABLE failed as expected:", err)
	}
	result, err := s.Raw("INSERT INTO User(Name) VALUES (?), (?)", "Tom", "Sam").Exec()
	if err != nil {
		return err
	}
	affected, _ := result.RowsAffected()
	fmt.Println("rows inserted:", affected)

	var name string
	if err := s.Raw("SELECT Name FROM User LIMIT 1").QueryRow().Scan(&name); err != nil {
		return err
	}
	fmt.Println("first name:", name)
	return nil
}
