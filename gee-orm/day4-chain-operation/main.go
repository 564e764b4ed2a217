// Command day4-chain-operation shows geeorm's fourth step: the chain API
// (Where, OrderBy, Limit) with First, Update, Delete and Count.
//
//	go run ./gee-orm/day4-chain-operation [-db path]
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"gee-orm/day4-chain-operation/geeorm"
	"gee-orm/day4-chain-operation/geeorm/session"

	_ "github.com/mattn/go-sqlite3"
)

func main() {
	dbPath := flag.String("db", filepath.Join(os.TempDir(), "gee-orm-demo.db"), "SQLite database file to use")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: %s [-db path]\nQueries, updates and deletes through the chain API, logging every statement.\n", os.Args[0])
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
	if _, err := s.Insert(&User{Name: "Tom", Age: 18}, &User{Name: "Sam", Age: 25}, &User{Name: "Kate", Age: 30}); err != nil {
		return err
	}

	var users []User
	if err := s.Where("Age > ?", 20).OrderBy("Age DESC").Limit(2).Find(&users); err != nil {
		return err
	}
	fmt.Println("older than 20, oldest first:", users)

	n, err := s.Where("Name = ?", "Tom").Update("Age", 19)
	if err != nil {
		return err
	}
	var tom User
	if err := s.Where("Name = ?", "Tom").First(&tom); err != nil {
		return err
	}
	fmt.Printf("updated %d row: Tom is now %d\n", n, tom.Age)

	deleted, err := s.Where("Age > ?", 20).Where("Name <> ?", "Kate").Delete()
	if err != nil {
		return err
	}
	count, err := s.Count()
	if err != nil {
		return err
	}
	fmt.Printf("deleted: %d, count: %d\n", deleted, count)

	if err := s.Where("Name = ?", "Sam").First(&tom); errors.Is(err, session.ErrRecordNotFound) {
		fmt.Println("Sam is gone:", err)
	}
	return nil
}
