// Command day8-performance runs day7's demo on the final geeorm, the one
// made fast in this chapter: two transactions, then the table migrates to
// a new version of its struct, with ALTER TABLE, keeping its rows.
//
//	go run ./gee-orm/day8-performance [-db path]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gee-orm/day8-performance/geeorm"
	"gee-orm/day8-performance/geeorm/log"
	"gee-orm/day8-performance/geeorm/session"

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
	fs := flag.NewFlagSet("day8-performance", flag.ContinueOnError)
	dbPath := fs.String("db", filepath.Join(os.TempDir(), "gee-orm-demo.db"), "SQLite database file to use")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: day8-performance [-db path]\nRuns two transactions, then migrates the table to a new struct, logging every statement.\n")
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

// AccountV2 is Account's next version: Password is gone, Email is new, and
// TableName keeps it in Account's table.
type AccountV2 struct {
	ID    int `geeorm:"PRIMARY KEY"`
	Email string
}

// TableName is the table AccountV2 shares with Account.
func (AccountV2) TableName() string { return "Account" }

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

	// Both records or neither: this transaction commits.
	_, err = engine.Transaction(func(s *session.Session) (any, error) {
		return s.Insert(&Account{1, "qwerty"}, &Account{2, "123456"})
	})
	fmt.Fprintln(stdout, "first transaction:", errString(err))
	count, err := s.Count()
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "count:", count)

	// This one inserts, then fails: the insert is rolled back.
	_, err = engine.Transaction(func(s *session.Session) (any, error) {
		if _, err := s.Insert(&Account{3, "letmein"}); err != nil {
			return nil, err
		}
		return nil, errors.New("the bank is closed")
	})
	fmt.Fprintln(stdout, "second transaction:", errString(err))
	if count, err = s.Count(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "count:", count)

	// Email is added and Password dropped in place; the rows stay.
	if err := engine.Migrate(&AccountV2{}); err != nil {
		return err
	}
	var definition string
	if err := s.Raw("SELECT sql FROM sqlite_master WHERE name = 'Account'").QueryRow().Scan(&definition); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "table after migrate:", definition)
	var accounts []AccountV2
	if err := s.Model(&AccountV2{}).OrderBy("ID").Find(&accounts); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "accounts after migrate: %+v\n", accounts)
	return nil
}

func errString(err error) string {
	if err == nil {
		return "committed"
	}
	return "rolled back: " + err.Error()
}
