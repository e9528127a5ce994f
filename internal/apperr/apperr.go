// Package apperr is the application's one error type: a code that the edges map to
// their own status (HTTP, CLI exit code) and a message that is safe to show a user.
package apperr

import (
	"errors"
	"fmt"
)

// Codes of application errors. Everything else is internal.
const (
	Invalid      = "invalid"      // bad input; nothing was changed
	NotFound     = "not_found"    // the thing asked for does not exist
	Conflict     = "conflict"     // stale version, duplicate, wrong state
	Unauthorized = "unauthorized" // no or unknown credentials
	Forbidden    = "forbidden"    // known caller, not allowed
	Unavailable  = "unavailable"  // a dependency is down; try again
	Internal     = "internal"     // a bug or an unexpected failure
)

// Error is an application error. Message is shown to users as is.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Code returns the code of the first *Error in err's chain, Internal for any other
// non-nil error and "" for nil.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Message returns the user-safe message of err: that of its *Error, or a generic one
// for internal errors, whose details belong in logs only.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Wrap adds context to *errp, if it is not nil, keeping the chain for errors.As.
// Used as `defer apperr.Wrap(&err, "Calls.Arrive(%s)", id)`.
func Wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}
