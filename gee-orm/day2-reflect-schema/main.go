// Command day2-reflect-schema shows geeorm's second step: a struct is parsed
// into a table schema by reflection, and the session creates that table.
//
//	go run ./gee-orm/day2-reflect-schema [-db path]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"gee-orm/day2-reflect-schema/geeorm"

	_ "github.com/mattn/go-sqlite3"
)

func main() {
	dbPath := flag.String("db", filepath.Join(os.TempDir(), "gee-orm-demo.db"), "SQLite database file to use")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: %s [-db path]\nMaps a struct to a table and creates it, logging every statement.\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*dbPath); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// User is the demo's model: one exported field per column, Password kept out.
type User struct {
	Name     string `geeorm:"PRIMARY KEY"`
	Age      int
	Password string `geeorm:"-"`
}

func run(dbPath string) error {
	engine, err := geeorm.NewEngine("sqlite3", dbPath)
	if err != nil {
		return err
	}
	defer engine.Close()

	s := engine.NewSession().Model(&User{})
	table := s.RefTable()
	fmt.Printf("struct User maps to table %q:\n", table.Name)
	for _, field := range table.Fields {
		fmt.Printf("  column %-5s %-8s %s\n", field.Name, field.Type, field.Tag)
	}
	if err := s.DropTable(); err != nil {
		return err
	}
	if err := s.CreateTable(); err != nil {
		return err
	}
	fmt.Println("table exists:", s.HasTable())

	// A field the dialect cannot store is an error, not a panic.
	type Settings struct{ Values map[string]string }
	if err := s.Model(&Settings{}).CreateTable(); err != nil {
		fmt.Println("cannot create Settings:", err)
	}
	return nil
}
