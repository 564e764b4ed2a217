// Command day2-reflect-schema shows geeorm's second step: a struct is parsed
// into a table schema by reflection, and the session creates that table.
//
//	go run ./gee-orm/day2-reflect-schema [-db path]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gee-orm/day2-reflect-schema/geeorm"
	"gee-orm/day2-reflect-schema/geeorm/log"

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
	fs := flag.NewFlagSet("day2-reflect-schema", flag.ContinueOnError)
	dbPath := fs.String("db", filepath.Join(os.TempDir(), "gee-orm-demo.db"), "SQLite database file to use")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: day2-reflect-schema [-db path]\nMaps a struct to a table and creates it, logging every statement.\n")
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
	table := s.RefTable()
	fmt.Fprintf(stdout, "struct User maps to table %q:\n", table.Name)
	for _, field := range table.Fields {
		fmt.Fprintf(stdout, "  column %-5s %-8s %s\n", field.Name, field.Type, field.Tag)
	}
	if err := s.DropTable(); err != nil {
		return err
	}
	if err := s.CreateTable(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "table exists:", s.HasTable())

	// A field the dialect cannot store is an error, not a panic.
	type Settings struct{ Values map[string]string }
	if err := s.Model(&Settings{}).CreateTable(); err != nil {
		fmt.Fprintln(stdout, "cannot create Settings:", err)
	}
	return nil
}
