// Command day3-save-query shows geeorm's third step: records are saved
// with one INSERT and read back into a slice of structs with Find.
//
//	go run ./gee-orm/day3-save-query [-db path]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"gee-orm/day3-save-query/geeorm"

	_ "github.com/mattn/go-sqlite3"
)

func main() {
	dbPath := flag.String("db", filepath.Join(os.TempDir(), "gee-orm-demo.db"), "SQLite database file to use")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: %s [-db path]\nInserts structs and finds them again, logging every statement.\n", os.Args[0])
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
	fmt.Println("inserted:", n)

	var users []User
	if err := s.Find(&users); err != nil {
		return err
	}
	for _, u := range users {
		fmt.Printf("found: %s (age %d)\n", u.Name, u.Age)
	}
	return nil
}
