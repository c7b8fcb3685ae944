package packager

// ValidatePattern returns the error Package would give for line as one of
// Spec.Include or Spec.Exclude (gitignore syntax), so a configuration can be
// checked, and the line that holds it named, before anything is built.
func ValidatePattern(line string) error {
	_, _, err := parsePattern(line)
	return err
}
