const isNumber = require('is-number');

exports.handler = async (event) => ({ statusCode: 200, body: String(isNumber(event.n)) });
