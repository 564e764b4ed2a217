package geeorm_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"gee-orm/day8-performance/geeorm"
	"gee-orm/day8-performance/geeorm/log"
	"gee-orm/day8-performance/geeorm/session"

	_ "github.com/mattn/go-sqlite3"
)

func Example() {
	log.SetLevel(log.Disabled) // keep the example's output to its own lines
	defer log.SetLevel(log.InfoLevel)

	dir, _ := os.MkdirTemp("", "geeorm-example")
	defer os.RemoveAll(dir)
	engine, err := geeorm.NewEngine("sqlite3", filepath.Join(dir, "gee.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer engine.Close()

	s := engine.NewSession()
	_, _ = s.Raw("CREATE TABLE User(Name text)").Exec()
	result, _ := s.Raw("INSERT INTO User(Name) VALUES (?), (?)", "Tom", "Sam").Exec()
	affected, _ := result.RowsAffected()
	var name string
	_ = s.Raw("SELECT Name FROM User WHERE Name = ?", "Sam").QueryRow().Scan(&name)
	fmt.Println(affected, name)
	// Output: 2 Sam
}

type Book struct {
	Title string `geeorm:"PRIMARY KEY"`
	Pages int
}

func Example_insertFind() {
	log.SetLevel(log.Disabled)
	defer log.SetLevel(log.InfoLevel)

	dir, _ := os.MkdirTemp("", "geeorm-example")
	defer os.RemoveAll(dir)
	engine, _ := geeorm.NewEngine("sqlite3", filepath.Join(dir, "gee.db"))
	defer engine.Close()

	s := engine.NewSession().Model(&Book{})
	_ = s.CreateTable()
	n, _ := s.Insert(&Book{"Go", 380}, &Book{"SQL", 210})
	var books []Book
	if err := s.Find(&books); err != nil {
		fmt.Println(err)
	}
	fmt.Println(n, books)
	// Output: 2 [{Go 380} {SQL 210}]
}

func ExampleEngine_Transaction() {
	log.SetLevel(log.Disabled)
	defer log.SetLevel(log.InfoLevel)

	dir, _ := os.MkdirTemp("", "geeorm-example")
	defer os.RemoveAll(dir)
	engine, _ := geeorm.NewEngine("sqlite3", filepath.Join(dir, "gee.db"))
	defer engine.Close()
	_ = engine.NewSession().Model(&Book{}).CreateTable()

	_, err := engine.Transaction(func(s *session.Session) (any, error) {
		if _, err := s.Insert(&Book{"Go", 380}); err != nil {
			return nil, err
		}
		return nil, errors.New("out of stock")
	})
	count, _ := engine.NewSession().Model(&Book{}).Count()
	fmt.Println(err, count)
	// Output: out of stock 0
}

// BookV2 is Book with Pages dropped and Author added.
type BookV2 struct {
	Title  string `geeorm:"PRIMARY KEY"`
	Author string
}

func (BookV2) TableName() string { return "Book" }

func ExampleEngine_Migrate() {
	log.SetLevel(log.Disabled)
	defer log.SetLevel(log.InfoLevel)

	dir, _ := os.MkdirTemp("", "geeorm-example")
	defer os.RemoveAll(dir)
	engine, _ := geeorm.NewEngine("sqlite3", filepath.Join(dir, "gee.db"))
	defer engine.Close()
	s := engine.NewSession().Model(&Book{})
	_ = s.CreateTable()
	_, _ = s.Insert(&Book{"Go", 380})

	if err := engine.Migrate(&BookV2{}); err != nil {
		fmt.Println(err)
	}
	var books []BookV2
	_ = engine.NewSession().Find(&books)
	fmt.Printf("%+v\n", books)
	// Output: [{Title:Go Author:}]
}
