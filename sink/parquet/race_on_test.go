//go:build race

package parquet_test

// raceEnabled tells tests built with -race: memory figures are not the
// product's then, and large writes take minutes.
const raceEnabled = true
