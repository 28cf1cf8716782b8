//go:build race

package merge_test

// raceEnabled tells tests built with -race: heap figures are not the
// product's then, and large inputs take minutes.
const raceEnabled = true
