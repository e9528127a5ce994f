// Package migrations holds the numbered PostgreSQL migrations, embedded so that the
// binaries apply them (ikomekd migrate, ikomekctl migrate).
package migrations

import "embed"

// FS holds every *.sql migration, named NNNNN_name.sql with goose Up/Down sections.
//
//go:embed *.sql
var FS embed.FS
