package session

import (
	"database/sql"
	"errors"
	"fmt"

	"gee-orm/day8-performance/geeorm/dialect"
	"gee-orm/day8-performance/geeorm/log"
)

// ErrNoTransaction is returned by Commit and Rollback outside a transaction.
var ErrNoTransaction = errors.New("session: no transaction in progress")

// NewTx returns a session whose statements run in tx, a transaction its
// caller began on a connection of its own (as Engine.Migrate does).
func NewTx(db *sql.DB, tx *sql.Tx, dialect dialect.Dialect) *Session {
	return &Session{db: db, tx: tx, dialect: dialect}
}

// Begin starts a transaction: the session's statements run in it until
// Commit or Rollback.
func (s *Session) Begin() error {
	if s.tx != nil {
		err := errors.New("session: transaction already in progress")
		log.Error(err)
		return err
	}
	log.Info("transaction begin")
	tx, err := s.db.Begin()
	if err != nil {
		log.Error(err)
		return fmt.Errorf("session: begin: %w", err)
	}
	s.tx = tx
	return nil
}

// Commit commits the transaction. Whether or not it succeeds, the
// transaction is over and the session runs on the database again (the
// well-known version kept the finished transaction and failed every later
// statement).
func (s *Session) Commit() error {
	if s.tx == nil {
		log.Error(ErrNoTransaction)
		return ErrNoTransaction
	}
	log.Info("transaction commit")
	err := s.tx.Commit()
	s.tx = nil
	if err != nil {
		log.Error(err)
		return fmt.Errorf("session: commit: %w", err)
	}
	return nil
}

// Rollback undoes the transaction; afterwards the session runs on the
// database again.
func (s *Session) Rollback() error {
	if s.tx == nil {
		log.Error(ErrNoTransaction)
		return ErrNoTransaction
	}
	log.Info("transaction rollback")
	err := s.tx.Rollback()
	s.tx = nil
	if err != nil {
		log.Error(err)
		return fmt.Errorf("session: rollback: %w", err)
	}
	return nil
}
