package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/ddbexport/ddbexport/pipeline"
)

// progressBar draws a run's progress on a terminal: files, items, bytes,
// rate and ETA, refreshed from the pipeline's counters.
type progressBar struct {
	bar  *progressbar.ProgressBar
	done chan struct{}
	wg   sync.WaitGroup
}

func startProgress(w io.Writer, label string, stats *pipeline.Stats, files int, bytes int64) *progressBar {
	p := &progressBar{
		bar: progressbar.NewOptions64(bytes,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowBytes(true),
			progressbar.OptionUseIECUnits(true), // KiB, MiB: as the reports count
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(24),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionClearOnFinish(),
		),
		done: make(chan struct{}),
	}
	update := func() {
		p.bar.Describe(fmt.Sprintf("%sfiles %d/%d, items %d", label, stats.Files.Load(), files, stats.Items.Load()))
		p.bar.Set64(stats.StoredBytes.Load())
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				update()
				return
			case <-t.C:
				update()
			}
		}
	}()
	return p
}

func (p *progressBar) stop() {
	close(p.done)
	p.wg.Wait()
	p.bar.Finish()
	p.bar.Clear()
}
