import { evaluateExpression } from './evaluate';

const variables: Record<string, string> = {
  BRANCH: 'main',
  EMPTY: '',
  RELEASE: 'release-1.4',
  PATTERN: '/^release-\\d/',
  UPPER: 'MAIN',
  MULTI: 'one\ntwo',
};
const lookup = (name: string): string | undefined => variables[name];

describe('evaluateExpression', () => {
  it.each([
    ['$BRANCH', true],
    ['$EMPTY', false],
    ['$UNDEFINED', false],
    ['$BRANCH == "main"', true],
    ["$BRANCH == 'main'", true],
    ['$BRANCH != "main"', false],
    ['$UNDEFINED == null', true],
    ['$EMPTY == null', false],
    ['$EMPTY == ""', true],
    ['$UNDEFINED == ""', false],
    ['$BRANCH != null', true],
    ['null == $UNDEFINED', true],
    ['$BRANCH == $UPPER', false],
    ['$RELEASE =~ /^release-/', true],
    ['$RELEASE !~ /^release-/', false],
    ['$UPPER =~ /main/', false],
    ['$UPPER =~ /main/i', true],
    ['$MULTI =~ /^two$/', false],
    ['$MULTI =~ /^two$/m', true],
    ['$MULTI =~ /one.two/', false],
    ['$MULTI =~ /one.two/s', true],
    ['$RELEASE =~ $PATTERN', true],
    ['$BRANCH =~ $PATTERN', false],
    ['$BRANCH =~ $UNDEFINED', false],
    ['$BRANCH !~ $UNDEFINED', true],
    ['$UNDEFINED =~ /^$/', true],
    ['$BRANCH == "x" || $RELEASE', true],
    ['$BRANCH == "main" && $UNDEFINED', false],
    // && binds tighter than ||: true || (false && false).
    ['$BRANCH || $UNDEFINED && $EMPTY', true],
    ['($BRANCH || $UNDEFINED) && $EMPTY', false],
    // Ruby truthiness inside &&: an empty string is truthy there, the final value decides.
    ['$EMPTY && $BRANCH', true],
    ['$BRANCH && $EMPTY', false],
    ['$UNDEFINED || $EMPTY', false],
  ])('%s is %s', (text, expected) => {
    expect(evaluateExpression(text, lookup)).toBe(expected);
  });
});
