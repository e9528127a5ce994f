// Package console is the web console: static pages served by the controller that
// work through the JSON API with the user's own token. An operator gets their desk:
// their live state, the console actions (log in and out, pause with a reason, resume)
// and the call at hand (the caller, their earlier tickets and the form to fill this
// call's ticket). A supervisor gets the board: the line of waiting callers, every
// operator's live state, and the staffing of the current interval. A quality reviewer
// gets the recorded calls: search, listen, and score a call on the active form. A
// department gets its tickets: acknowledge, work, note, resolve or return one.
package console

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Handler serves the console's files under prefix (for example "/console/"). The
// pages load nothing from elsewhere and run no inline script, which the
// Content-Security-Policy enforces.
func Handler(prefix string) http.Handler {
	files, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	fsrv := http.StripPrefix(prefix, http.FileServer(http.FS(files)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// blob: media: recordings are fetched with the token and played from memory.
		h.Set("Content-Security-Policy", "default-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		fsrv.ServeHTTP(w, r)
	})
}
