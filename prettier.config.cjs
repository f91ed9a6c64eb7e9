/** Prettier decides layout; see ../shared/docs/style.md habit 1. */
module.exports = {
  printWidth: 100,
  singleQuote: true,
  trailingComma: 'all',
  arrowParens: 'avoid',
  semi: true,
};
