// Command day1-database-sql shows geeorm's first step: an engine opens a
// SQLite database and a session runs raw SQL, logging every statement.
//
//	go run ./gee-orm/day1-database-sql [-db path]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gee-orm/day1-database-sql/geeorm"
	"gee-orm/day1-database-sql/geeorm/log"

	_ "github.com/mattn/go-sqlite3"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// run is the whole demo; tests call it with their own arguments and writer.
// Everything the demo prints goes to stdout, the statement log included.
func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("day1-database-sql", flag.ContinueOnError)
	dbPath := fs.String("db", filepath.Join(os.TempDir(), "gee-orm-demo.db"), "SQLite database file to use")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: day1-database-sql [-db path]\nRuns raw SQL through a geeorm session and logs every statement.\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	log.SetOutput(stdout)
	return demo(*dbPath, stdout)
}

// demo runs the chapter's steps on the database at dbPath and prints what
// they return to stdout.
func demo(dbPath string, stdout io.Writer) error {
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
		fmt.Fprintln(stdout, "second CREATE TABLE failed as expected:", err)
	}
	result, err := s.Raw("INSERT INTO User(Name) VALUES (?), (?)", "Tom", "Sam").Exec()
	if err != nil {
		return err
	}
	affected, _ := result.RowsAffected()
	fmt.Fprintln(stdout, "rows inserted:", affected)

	var name string
	if err := s.Raw("SELECT Name FROM User LIMIT 1").QueryRow().Scan(&name); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "first name:", name)
	return nil
}
