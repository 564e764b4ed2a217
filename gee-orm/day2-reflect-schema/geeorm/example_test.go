package geeorm_test

import (
	"fmt"
	"os"
	"path/filepath"

	"gee-orm/day2-reflect-schema/geeorm"
	"gee-orm/day2-reflect-schema/geeorm/log"

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
