// Command day3-save-query shows geeorm's third step: records are saved
// with one INSERT and read back into a slice of structs with Find.
//
//	go run ./gee-orm/day3-save-query [-db path]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gee-orm/day3-save-query/geeorm"
	"gee-orm/day3-save-query/geeorm/log"

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
	fs := flag.NewFlagSet("day3-save-query", flag.ContinueOnError)
	dbPath := fs.String("db", filepath.Join(os.TempDir(), "gee-orm-demo.db"), "SQLite database file to use")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: day3-save-query [-db path]\nInserts structs and finds them again, logging every statement.\n")
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

// User is the demo's model: one exported field per column, Password kept out.
type User struct {
	Name     string `geeorm:"PRIMARY KEY"`
	Age      int
	Password string `geeorm:"-"`
}

// demo runs the chapter's steps on the database at dbPath and prints what
// they return to stdout.
func demo(dbPath string, stdout io.Writer) error {
	engine, err := geeorm.NewEngine("sqlite3", dbPath)
	if err != nil {
		return err
	}
	defer engine.Close()

	s := engine.NewSession().Model(&User{})
	if err := s.DropTable(); err != nil {
		return err
	}
	if err := s.CreateTable(); err != nil {
		return err
	}
	// Several records go in one INSERT statement; values are bound, never spliced.
	n, err := s.Insert(&User{Name: "Tom", Age: 18}, &User{Name: "Sam", Age: 25}, &User{Name: "Robert'); DROP TABLE User;--", Age: 7})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "inserted:", n)

	var users []User
	if err := s.Find(&users); err != nil {
		return err
	}
	for _, u := range users {
		fmt.Fprintf(stdout, "found: %s (age %d)\n", u.Name, u.Age)
	}
	return nil
}
