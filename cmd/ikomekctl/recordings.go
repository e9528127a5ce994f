package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/qc"
	"github.com/ikomek/ikomek/internal/recordings"
)

// recordingsCmd is "ikomekctl recordings".
type recordingsCmd struct {
	Verify    recordingsVerifyCmd    `cmd:"" help:"Re-hash every stored recording; report missing or altered files (exit 1 when any)."`
	Retention recordingsRetentionCmd `cmd:"" help:"Remove audio older than the retention (metadata is kept; audio of QC cases and open tickets is kept)."`
}

type recordingsVerifyCmd struct {
	Dir string `name:"dir" env:"IKOMEK_RECORDINGS_DIR" default:"recordings" help:"Recordings folder."`
}

func (c *recordingsVerifyCmd) Run(ctx context.Context, g *Globals) error {
	return withDB(ctx, g, func(db *postgres.DB) error {
		recs, err := db.RecordingIndex().Stored(ctx)
		if err != nil {
			return err
		}
		var bad int
		for _, r := range recs {
			problem := ""
			if !filepath.IsLocal(r.Path) {
				problem = "path outside the recordings folder: " + r.Path
			} else if sum, size, err := recordings.FileSHA256(filepath.Join(c.Dir, r.Path)); errors.Is(err, fs.ErrNotExist) {
				problem = "missing: " + r.Path
			} else if err != nil {
				problem = "unreadable: " + err.Error()
			} else if sum != r.SHA256 || size != r.SizeBytes {
				problem = fmt.Sprintf("altered: %s sha256 %s size %d, stored %s size %d", r.Path, sum, size, r.SHA256, r.SizeBytes)
			}
			if problem != "" {
				bad++
				fmt.Fprintf(g.out(), "recording %d (call %d) %s\n", r.ID, r.CallID, problem)
			}
		}
		fmt.Fprintf(g.out(), "%d recordings checked, %d missing or altered\n", len(recs), bad)
		if bad > 0 {
			return fmt.Errorf("%d recordings missing or altered", bad)
		}
		return nil
	})
}

type recordingsRetentionCmd struct {
	Dir    string           `name:"dir" env:"IKOMEK_RECORDINGS_DIR" default:"recordings" help:"Recordings folder."`
	Keep   string           `required:"" help:"Keep audio this long: 180d, 26w, 6mo, 1y or a Go duration."`
	DryRun bool             `name:"dry-run" help:"List what would be removed; remove nothing."`
	Now    func() time.Time `kong:"-"`
}

func (c *recordingsRetentionCmd) Run(ctx context.Context, g *Globals) error {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	cutoff, err := qc.Cutoff(now(), c.Keep)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	return withDB(ctx, g, func(db *postgres.DB) error {
		recs, err := db.RecordingIndex().Expired(ctx, cutoff)
		if err != nil {
			return err
		}
		reason := fmt.Sprintf("retention %s (started before %s)", c.Keep, cutoff.Format(time.RFC3339))
		removed := 0
		for _, r := range recs {
			if c.DryRun {
				fmt.Fprintf(g.out(), "would remove recording %d (call %d) %s\n", r.ID, r.CallID, r.Path)
				continue
			}
			err := db.RecordingIndex().Remove(ctx, r.ID, reason, func() error {
				if !filepath.IsLocal(r.Path) {
					return fmt.Errorf("recording %d: path outside the recordings folder: %s", r.ID, r.Path)
				}
				root, err := os.OpenRoot(c.Dir)
				if err != nil {
					return err
				}
				defer root.Close()
				if err := root.Remove(r.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
				return nil
			})
			if err != nil {
				log.Error("recording audio not removed", "id", r.ID, "path", r.Path, "err", err)
				return err
			}
			removed++
			log.Info("recording audio removed", "id", r.ID, "call_id", r.CallID, "path", r.Path, "reason", reason)
			fmt.Fprintf(g.out(), "removed recording %d (call %d) %s\n", r.ID, r.CallID, r.Path)
		}
		if c.DryRun {
			fmt.Fprintf(g.out(), "%d recordings would be removed (dry run)\n", len(recs))
		} else {
			fmt.Fprintf(g.out(), "%d recordings removed; metadata kept\n", removed)
		}
		return nil
	})
}
