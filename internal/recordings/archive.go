package recordings

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Archiver moves finished recordings from Asterisk into Dir: download (so Asterisk may
// be on another host), write to a temporary file, fsync, rename, re-read and compare
// the SHA-256, record it, and only then delete Asterisk's copy.
type Archiver struct {
	Store  Store
	Source Source
	Dir    string
	Log    *slog.Logger
	Now    func() time.Time
	// OnFailure is called after each failed attempt (for metrics); may be nil.
	OnFailure func(error)
}

// Archive stores one recording and returns its stored metadata.
func (a *Archiver) Archive(ctx context.Context, r Rec) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("archive recording %d (%s): %w", r.ID, r.Name, err)
			if aerr := a.Store.Attempt(context.WithoutCancel(ctx), r.ID, err.Error()); aerr != nil {
				a.Log.Error("cannot count recording attempt", "id", r.ID, "err", aerr)
			}
			if a.OnFailure != nil {
				a.OnFailure(err)
			}
		}
	}()
	at := r.StartedAt.UTC()
	rel := filepath.Join(at.Format("2006"), at.Format("01"), at.Format("02"),
		fmt.Sprintf("%s.%s", filepath.Base(r.Name), r.Format)) // the name already holds the call id
	full := filepath.Join(a.Dir, rel)
	if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
		return err
	}
	body, err := a.Source.Download(ctx, r.Name)
	if err != nil {
		return err
	}
	defer body.Close()
	tmp, err := os.CreateTemp(filepath.Dir(full), ".incoming-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), body)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if size == 0 {
		return errors.New("empty recording file")
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := os.Rename(tmp.Name(), full); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(full)); err != nil {
		return err
	}
	// Verify what is on disk, not what passed through memory.
	check, checkSize, err := FileSHA256(full)
	if err != nil {
		return err
	}
	if check != sum || checkSize != size {
		return fmt.Errorf("stored copy differs: sha256 %s size %d, downloaded %s size %d", check, checkSize, sum, size)
	}
	dur, err := WAVDuration(full)
	if err != nil && r.Format == "wav" {
		return err
	}
	if err := a.Store.Store(ctx, r.ID, rel, sum, size, dur, a.Now()); err != nil {
		return err
	}
	if err := a.Source.Delete(ctx, r.Name); err != nil {
		// The stored copy is safe; Asterisk's is removed on a later pass.
		a.Log.Warn("recording stored but not removed from Asterisk", "id", r.ID, "name", r.Name, "err", err)
	}
	a.Log.Info("recording stored", "id", r.ID, "call_id", r.CallID, "path", rel, "bytes", size, "seconds", dur)
	return nil
}

// Run archives pending recordings of asteriskID whenever kick fires, and every
// interval, until ctx ends. Failures are retried on later passes.
func (a *Archiver) Run(ctx context.Context, asteriskID func() string, kick <-chan struct{}, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
		case <-t.C:
		}
		id := asteriskID()
		if id == "" {
			continue
		}
		pending, err := a.Store.Pending(ctx, id)
		if err != nil {
			if ctx.Err() == nil {
				a.Log.Error("cannot list pending recordings", "err", err)
			}
			continue
		}
		for _, r := range pending {
			if r.State != Finished {
				continue
			}
			if err := a.Archive(ctx, r); err != nil && ctx.Err() == nil {
				a.Log.Error("recording not stored yet", "id", r.ID, "attempt", r.Attempts+1, "err", err)
			}
		}
	}
}

// FileSHA256 returns a file's SHA-256 (hex) and size.
func FileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// WAVDuration returns the length in seconds of a RIFF/WAVE file, from its fmt and data
// chunks.
func WAVDuration(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var hdr [12]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil || string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return 0, errors.New("not a RIFF/WAVE file")
	}
	var byteRate uint32
	for {
		var ch [8]byte
		if _, err := io.ReadFull(f, ch[:]); err != nil {
			return 0, errors.New("WAVE file without a data chunk")
		}
		size := binary.LittleEndian.Uint32(ch[4:8])
		switch string(ch[0:4]) {
		case "fmt ":
			var fm [16]byte
			if size < 16 {
				return 0, errors.New("short fmt chunk")
			}
			if _, err := io.ReadFull(f, fm[:]); err != nil {
				return 0, err
			}
			byteRate = binary.LittleEndian.Uint32(fm[8:12])
			if _, err := f.Seek(int64(size-16)+int64(size&1), io.SeekCurrent); err != nil {
				return 0, err
			}
		case "data":
			if byteRate == 0 {
				return 0, errors.New("data chunk before fmt chunk")
			}
			// Asterisk may leave the size unset while writing; trust the file then.
			if size == 0 || size == 0xffffffff {
				pos, _ := f.Seek(0, io.SeekCurrent)
				end, _ := f.Seek(0, io.SeekEnd)
				size = uint32(end - pos)
			}
			return float64(size) / float64(byteRate), nil
		default:
			if _, err := f.Seek(int64(size)+int64(size&1), io.SeekCurrent); err != nil {
				return 0, err
			}
		}
	}
}
