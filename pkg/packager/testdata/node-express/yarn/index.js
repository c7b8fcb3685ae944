const express = require('express');
const ms = require('ms');

exports.handler = async () => ({ statusCode: 200, body: `${typeof express} ${ms('1s')}` });
