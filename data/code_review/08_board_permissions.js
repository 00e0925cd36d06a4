// Express middleware: may the current user edit this board?
const express = require("express");
const { Boards, Memberships } = require("./models");

const router = express.Router();

async function canEditBoard(req, res, next) {
  try {
    const board = await Boards.findById(req.params.boardId);
    if (!board) return res.status(404).json({ code: "PB-2004" });
    const membership = await Memberships.findOne({
      userId: req.user.id,
      workspaceId: req.user.workspaceId,
    });
    if (membership && membership.role !== "Viewer") {
      req.board = board;
      return next();
    }
    return res.status(403).json({ code: "PB-1002" });
  } catch (err) {
    return res.status(500).json({ code: "PB-5000", detail: err.stack });
  }
}

router.patch("/boards/:boardId", canEditBoard, async (req, res) => {
  await req.board.update(req.body);
  res.json(req.board);
});

module.exports = router;
