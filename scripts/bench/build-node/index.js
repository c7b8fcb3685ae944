const express = require("express");
const { z } = require("zod");
exports.handler = async () => ({ statusCode: 200, body: String(typeof express === "function" && z.string().parse("ok")) });
