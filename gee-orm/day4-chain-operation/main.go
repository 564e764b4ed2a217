// Command day4-chain-operation shows geeorm's fourth step: the chain API
// (Where, OrderBy, Limit) with First, Update, Delete and Count.
//
//	go run ./gee-orm/day4-chain-operation [-db path]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gee-orm/day4-chain-operation/geeorm"
	"gee-orm/day4-chain-operation/geeorm/log"
	"gee-orm/day4-chain-operation/geeorm/session"

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
	fs := flag.NewFlagSet("day4-chain-operation", flag.ContinueOnError)
	dbPath := fs.String("db", filepath.Join(os.TempDir(), "gee-orm-demo.db"), "SQLite database file to use")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: day4-chain-operation [-db path]\nQueries, updates and deletes through the chain API, logging every statement.\n")
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
	if _, err := s.Insert(&User{Name: "Tom", Age: 18}, &User{Name: "Sam", Age: 25}, &User{Name: "Kate", Age: 30}); err != nil {
		return err
	}

	var users []User
	if err := s.Where("Age > ?", 20).OrderBy("Age DESC").Limit(2).Find(&users); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "older than 20, oldest first:", users)

	n, err := s.Where("Name = ?", "Tom").Update("Age", 19)
	if err != nil {
		return err
	}
	var tom User
	if err := s.Where("Name = ?", "Tom").First(&tom); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "updated %d row: Tom is now %d\n", n, tom.Age)

	deleted, err := s.Where("Age > ?", 20).Where("Name <> ?", "Kate").Delete()
	if err != nil {
		return err
	}
	count, err := s.Count()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "deleted: %d, count: %d\n", deleted, count)

	if err := s.Where("Name = ?", "Sam").First(&tom); errors.Is(err, session.ErrRecordNotFound) {
		fmt.Fprintln(stdout, "Sam is gone:", err)
	}
	return nil
}
