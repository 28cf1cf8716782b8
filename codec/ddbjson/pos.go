package ddbjson

// nthPos returns the offset of the k-th member name (of an object) or
// element (of an array) of the container at b[open], which is known to be
// valid JSON: it finds error positions without the parser keeping them.
func (p *parser) nthPos(open, k int) int {
	b := p.b
	i := p.ws(open + 1)
	for ; k > 0; k-- {
		if b[open] == '{' {
			var s string
			i = p.str(i, &s)
			i = p.ws(p.ws(i) + 1) // ':'
		}
		i = p.skipValue(i, -1<<30)
		i = p.ws(p.ws(i) + 1) // ','
	}
	return i
}
