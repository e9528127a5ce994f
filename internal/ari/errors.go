package ari

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a non-2xx reply from ARI. Message is ARI's own explanation (the
// "message" of its JSON error body, or the raw body), e.g. "Channel not
// found" or "Allocation failed".
type Error struct {
	Method  string // HTTP method, e.g. "POST"
	Path    string // request path below the base URL, ids escaped, no query
	Status  int    // HTTP status code
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("ari: %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// StatusCode returns the HTTP status of err if it is or wraps an *Error,
// and 0 otherwise (transport failures, timeouts).
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// IsBadRequest reports a 400: a missing or invalid parameter.
func IsBadRequest(err error) bool { return StatusCode(err) == http.StatusBadRequest }

// IsUnauthorized reports a 401 or 403: wrong credentials or a forbidden
// operation.
func IsUnauthorized(err error) bool {
	s := StatusCode(err)
	return s == http.StatusUnauthorized || s == http.StatusForbidden
}

// IsNotFound reports a 404: the channel, bridge, recording... does not exist
// (any more).
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsConflict reports a 409: the object already exists, or the channel is not
// in Stasis or not in a state that allows the operation.
func IsConflict(err error) bool { return StatusCode(err) == http.StatusConflict }

// IsPreconditionFailed reports a 412: typically the channel is not answered
// yet.
func IsPreconditionFailed(err error) bool {
	return StatusCode(err) == http.StatusPreconditionFailed
}

// IsUnprocessable reports a 422: typically the channel is not in Stasis or
// not in this bridge.
func IsUnprocessable(err error) bool {
	return StatusCode(err) == http.StatusUnprocessableEntity
}

// IsServerError reports a 5xx, e.g. 500 "Allocation failed" when creating a
// channel to an unregistered endpoint, or 503 while Asterisk is booting.
func IsServerError(err error) bool { return StatusCode(err)/100 == 5 }

// IgnoreNotFound returns nil for a 404 and err otherwise; for cleanup, where
// "already gone" is the goal.
func IgnoreNotFound(err error) error {
	if IsNotFound(err) {
		return nil
	}
	return err
}
