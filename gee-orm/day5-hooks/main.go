// Command day5-hooks shows geeorm's fifth step: hooks, methods on the
// model that run before and after each operation and can refuse it.
//
//	go run ./gee-orm/day5-hooks [-db path]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gee-orm/day5-hooks/geeorm"
	"gee-orm/day5-hooks/geeorm/log"
	"gee-orm/day5-hooks/geeorm/session"

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
	fs := flag.NewFlagSet("day5-hooks", flag.ContinueOnError)
	dbPath := fs.String("db", filepath.Join(os.TempDir(), "gee-orm-demo.db"), "SQLite database file to use")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: day5-hooks [-db path]\nShows hooks changing, hiding and refusing records, logging every statement.\n")
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

// hookOutput is where the hooks print. They are methods the session finds
// on the model, so they cannot be handed demo's writer; demo sets this.
var hookOutput io.Writer = os.Stdout

// Account is the demo's model; its hooks are methods found through the
// session's hook interfaces.
type Account struct {
	ID       int `geeorm:"PRIMARY KEY"`
	Password string
}

// BeforeInsert numbers accounts from 1000.
func (a *Account) BeforeInsert(s *session.Session) error {
	fmt.Fprintf(hookOutput, "  hook BeforeInsert: account %d becomes %d\n", a.ID, a.ID+1000)
	a.ID += 1000
	return nil
}

// AfterQuery hides the password of every account read.
func (a *Account) AfterQuery(s *session.Session) error {
	fmt.Fprintf(hookOutput, "  hook AfterQuery: hiding the password of account %d\n", a.ID)
	a.Password = "******"
	return nil
}

// BeforeDelete refuses to delete accounts.
func (a *Account) BeforeDelete(s *session.Session) error {
	return errors.New("accounts are never deleted")
}

// demo runs the chapter's steps on the database at dbPath and prints what
// they return to stdout.
func demo(dbPath string, stdout io.Writer) error {
	hookOutput = stdout
	engine, err := geeorm.NewEngine("sqlite3", dbPath)
	if err != nil {
		return err
	}
	defer engine.Close()

	s := engine.NewSession().Model(&Account{})
	if err := s.DropTable(); err != nil {
		return err
	}
	if err := s.CreateTable(); err != nil {
		return err
	}
	if _, err := s.Insert(&Account{1, "qwerty"}, &Account{2, "123456"}); err != nil {
		return err
	}
	var accounts []Account
	if err := s.Find(&accounts); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "found:", accounts)

	_, err = s.Where("ID = ?", 1001).Delete()
	fmt.Fprintln(stdout, "delete:", err)
	count, err := s.Count()
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "count:", count)
	return nil
}
