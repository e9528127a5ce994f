// Package postgres is the PostgreSQL adapter: the connection pool, the migrations and
// the stores of the domain packages.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ikomek/ikomek/internal/apperr"
)

// DB is the application's connection pool.
type DB struct {
	Pool *pgxpool.Pool
	// Now is the clock used for times the database records; tests replace it.
	Now func() time.Time

	creates *createQueue
	catalog *catalogCache
	numbers *ticketNumbers
}

// createWriters is how many batches of new tickets may be written at once: enough
// to overlap one batch's round trips with the next one's, few enough that batches
// grow under load instead of competing for the CPU.
const createWriters = 2

// Open connects to dsn and checks the connection.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: bad database URL: %w", err)
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &DB{Pool: pool, Now: time.Now, creates: newCreateQueue(createWriters),
		catalog: &catalogCache{}, numbers: &ticketNumbers{}}, nil
}

// SetCreateWriters sets how many batches of new tickets may be written at once
// (createWriters by default); a large number writes each ticket alone as it comes.
// Call it before the first ticket is created; benchmarks compare the two.
func (db *DB) SetCreateWriters(n int) { db.creates = newCreateQueue(n) }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

// Close closes the pool.
func (db *DB) Close() { db.Pool.Close() }

// inTx runs fn in a transaction: begin, fn, commit; rolled back on any error.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// notFound turns pgx.ErrNoRows into an apperr NotFound with msg.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.Errorf(apperr.NotFound, format, args...)
	}
	return err
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
