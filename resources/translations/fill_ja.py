# ruff: noqa: E501  (one translation per line reads better than wrapped strings)
"""Write the Japanese translations into sagasu_ja.ts (after ``pyside6-lupdate`` added new
source strings), then compile with ``pyside6-lrelease``. See docs/DESKTOP.md.

    .venv/bin/pyside6-lupdate desktop/*.py -ts resources/translations/sagasu_ja.ts
    .venv/bin/python resources/translations/fill_ja.py
    .venv/bin/pyside6-lrelease resources/translations/sagasu_ja.ts
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

TS = Path(__file__).with_name("sagasu_ja.ts")

JA = {
    # team server (desktop/library_tab.py, desktop/window_team.py, desktop/team_messages.py)
    "Library": "ライブラリ",
    "This computer": "このコンピュータ",
    "Team server": "チームサーバー",
    "The system's certificates": "システムの証明書",
    "Test connection": "接続をテスト",
    "Search in:": "検索先：",
    "Server address:": "サーバーのアドレス：",
    "Token:": "トークン：",
    "CA bundle:": "CAバンドル：",
    "Path mappings:": "パスの対応：",
    "One per line: SERVER PREFIX => LOCAL PREFIX. A result opens from this computer's copy; without one, the original can be downloaded. The token is kept in a file only you can read, in the index folder. Indexing, folders and models apply to this computer's index only.": "1行に1つ：サーバー側の接頭辞 => このコンピュータ側の接頭辞。結果はこのコンピュータ上のコピーで開きます。コピーがなければ原本をダウンロードできます。トークンはインデックスのフォルダ内の、本人だけが読めるファイルに保存されます。インデックス作成・フォルダ・モデルはこのコンピュータのインデックスにだけ適用されます。",
    "Path mappings, {0}": "パスの対応、{0}",
    "Enter the team server's address, or search this computer.": "チームサーバーのアドレスを入力するか、このコンピュータを検索してください。",
    "Enter the team server's address first.": "先にチームサーバーのアドレスを入力してください。",
    "Connecting…": "接続中…",
    "Connected: {0} files in your folders on the server.": "接続しました：サーバー上のあなたのフォルダに {0} 件のファイルがあります。",
    "CA bundle": "CAバンドル",
    "Certificates (*.pem *.crt *.cer);;All (*)": "証明書 (*.pem *.crt *.cer);;すべて (*)",
    "Team server {0}: ": "チームサーバー {0}：",
    "The team server indexes its own folders; choose This computer in Settings → Library to index here.": "チームサーバーは自身のフォルダをインデックスします。ここでインデックスするには 設定 → ライブラリ で「このコンピュータ」を選んでください。",
    "The team server is offline.": "チームサーバーに接続できません。",
    "This computer's index can still be searched.": "このコンピュータのインデックスは引き続き検索できます。",
    "Search this computer": "このコンピュータを検索",
    "{0} is not on this computer (looked for {1}).": "{0} はこのコンピュータにありません（{1} を探しました）。",
    "Download from the server and open": "サーバーからダウンロードして開く",
    "Downloading {0}…": "{0} をダウンロード中…",
    "The team server at {0} does not answer: {1}": "{0} のチームサーバーが応答しません：{1}",
    "The server does not accept this token.": "サーバーがこのトークンを受け付けません。",
    "This item is not readable with your token.": "この項目はあなたのトークンでは読めません。",
    "The image is too large for the server.": "画像がサーバーの上限を超えています。",
    "The server cannot read this image.": "サーバーがこの画像を読めません。",
    "The server is busy repairing its index; try again shortly.": "サーバーはインデックスを修復中です。しばらくしてからもう一度お試しください。",
    "The file is no longer on the server's disk.": "このファイルはもうサーバーのディスクにありません。",
    "The server answered: {0}": "サーバーの応答：{0}",
    "no answer in time": "時間内に応答がありません",
    "connection refused or no route": "接続が拒否されたか、経路がありません",
    "its certificate is not trusted; set the CA bundle in Settings → Library": "証明書が信頼されていません。設定 → ライブラリ でCAバンドルを指定してください",
    "the connection broke off": "接続が途中で切れました",
    "The token cannot be saved in {0}: {1}": "トークンを {0} に保存できません：{1}",
    # drop zone
    "Drop an image or a PDF here, paste one (Ctrl+V), or use Open image…": "画像やPDFをここにドロップ、貼り付け（Ctrl+V）、または「画像を開く…」",
    "PDF page:": "PDFのページ：",
    "Only files on this computer can be dropped (not web links).": "ドロップできるのはこのコンピュータ上のファイルだけです（Webリンクは不可）。",
    "Nothing usable was dropped: drop an image file or a PDF.": "使えるものがドロップされませんでした。画像ファイルかPDFをドロップしてください。",
    "pasted image": "貼り付けた画像",
    "The pasted image cannot be used: {0}": "貼り付けた画像は使えません：{0}",
    "{0} is a folder. Add folders to index in Settings; drop a single image to search.": "{0} はフォルダです。フォルダは設定でインデックス対象に追加してください。検索には画像を1枚ドロップします。",
    "{0} does not exist.": "{0} は存在しません。",
    "{0} cannot be used as a query image: {1}": "{0} は検索画像として使えません：{1}",
    "{0} is password-protected.": "{0} はパスワードで保護されています。",
    "{0} has no pages.": "{0} にはページがありません。",
    "{0} cannot be read as a PDF: {1}": "{0} をPDFとして読めません：{1}",
    "{0} p. {1}": "{0} {1}ページ",
    # main window
    "Sagasu — search PDFs and photos": "探す — PDFと写真を検索",
    "Search text, part numbers, descriptions… (English or Japanese)": "文章・型番・説明で検索…（日本語・英語）",
    "Open image…": "画像を開く…",
    "Paste image": "画像を貼り付け",
    "Index now": "今すぐインデックス",
    "Pause": "一時停止",
    "Cancel": "中止",
    "Settings…": "設定…",
    "Evaluation report": "評価レポート",
    "Open the latest report of `sagasu eval` for this index": "このインデックスの最新の `sagasu eval` レポートを開く",
    "No evaluation report yet. Run `sagasu eval --report queries.csv` to measure this index with your own labelled queries.": "評価レポートはまだありません。`sagasu eval --report queries.csv` を実行すると、ラベル付きのクエリでこのインデックスを評価できます。",
    "Searching…": "検索中…",
    "Search failed: {0}": "検索に失敗しました：{0}",
    "{0} results in {1} ms": "{0} 件（{1} ミリ秒）",
    "Reading the text on the photo…": "写真の文字を読み取っています…",
    "Reading the dropped image…": "ドロップされた画像を読み込み中…",
    "{0} files were dropped; searching with the first one.": "{0} 個のファイルがドロップされました。最初のファイルで検索します。",
    "Searching by image: {0}": "画像で検索：{0}",
    "That cannot be used: {0}": "使用できません：{0}",
    "Search with an image": "画像で検索",
    "Images and PDFs (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp *.pdf)": "画像とPDF (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp *.pdf)",
    "The clipboard holds no image.": "クリップボードに画像がありません。",
    "{0} is missing (moved or deleted).": "{0} が見つかりません（移動または削除されました）。",
    "No application could open {0}.": "{0} を開けるアプリケーションがありません。",
    "Open": "開く",
    "Open containing folder": "フォルダを開く",
    "Copy path": "パスをコピー",
    "Find similar": "類似を検索",
    "Similar to: {0}": "類似：{0}",
    "Paused": "一時停止中",
    "Indexing…": "インデックス作成中…",
    "Looking for files": "ファイルを探索中",
    "Reading files": "ファイルを読み込み中",
    "Encoding images": "画像を符号化中",
    "Saving": "保存中",
    "Calibrating scores": "スコアを調整中",
    "{0} of {1} files": "{0} / {1} ファイル",
    "{0} pages": "{0} ページ",
    "Reading text (word search)": "文字を読み込み中（語句検索）",
    "Encoding text": "文章をベクトル化中",
    "Reading pages and pictures": "ページと画像を読み込み中",
    "{0} of {1} pages": "{0} / {1} ページ",
    "{0:.1f} pages/s": "{0:.1f} ページ/秒",
    "word search on {0} files, pictures on {1} so far": "語句検索は {0} ファイルで可能、画像は今のところ {1} ファイル",
    "Text search works on every file now; pages and pictures are still being read.": "すべてのファイルで文字検索が使えるようになりました。ページと画像はまだ読み込み中です。",
    "about {0} left": "残り約 {0}",
    "Indexing cancelled; what was indexed is kept. Index now to finish.": "インデックス作成を中止しました。作成済みの分は保持されます。「今すぐインデックス」で続きを実行できます。",
    "Indexed {0} new or changed files ({1} pages, {2} photos)": "新規・変更ファイル {0} 件をインデックスしました（{1} ページ、写真 {2} 枚）",
    "{0} skipped": "{0} 件スキップ",
    "Indexing stopped: {0}": "インデックス作成が停止しました：{0}",
    "{0} files indexed: {1} pages, {2} photos, {3} figures": "インデックス済み {0} ファイル：{1} ページ、写真 {2} 枚、図 {3} 点",
    "last update {0}": "最終更新 {0}",
    "Image search is off: the image model (CLIP) is not installed.": "画像検索は無効です：画像モデル（CLIP）がインストールされていません。",
    "Text search works. Download the model or import a weights file you already have, then the images already indexed are encoded.": "テキスト検索は使えます。モデルをダウンロードするか、お持ちの重みファイルを取り込むと、インデックス済みの画像が符号化されます。",
    "Download…": "ダウンロード…",
    "Import…": "取り込み…",
    "Add a folder…": "フォルダを追加…",
    "Index the sample files": "サンプルをインデックス",
    "Welcome to Sagasu.": "「探す」へようこそ。",
    "Add a folder of PDFs and photos to index; searching works while it indexes. Or try the bundled samples first.": "PDFや写真のフォルダを追加するとインデックスを作成します。作成中も検索できます。まずは付属のサンプルで試すこともできます。",
    "The new index location is used from the next start.": "新しいインデックスの場所は次回起動時から使われます。",
    "Stopping indexing…": "インデックス作成を停止中…",
    # preview
    "Select a result to preview it.": "結果を選択するとプレビューを表示します。",
    "Copy the full path of this file": "このファイルのフルパスをコピー",
    "This file is missing.": "このファイルは見つかりません。",
    "It was moved or deleted since it was indexed.": "インデックス作成後に移動または削除されました。",
    "No preview": "プレビューなし",
    # results model
    "p. {0}": "{0}ページ",
    "missing": "ファイルなし",
    "Page {0}": "{0}ページ",
    "Kind: {0}": "種類：{0}",
    "Score: {0}": "スコア：{0}",
    "Why it matched: {0}": "一致した理由：{0}",
    "Also on pages: {0}": "他の該当ページ：{0}",
    "File is missing": "ファイルが見つかりません",
    "page": "ページ",
    "figure": "図",
    "photo": "写真",
    "text": "本文",
    # settings
    "Sagasu settings": "「探す」の設定",
    "Folders": "フォルダ",
    "Models": "モデル",
    "General": "全般",
    "Add folder…": "フォルダを追加…",
    "Remove": "削除",
    "e.g. *.pdf, drawings/**": "例：*.pdf, drawings/**",
    "e.g. old/**, *_draft.pdf": "例：old/**, *_draft.pdf",
    "Include only:": "対象のみ：",
    "Exclude:": "除外：",
    "Folders to index (PDFs and photos inside are searched):": "インデックスするフォルダ（中のPDFと写真が検索対象になります）：",
    "Folder to index": "インデックスするフォルダ",
    "Model": "モデル",
    "State": "状態",
    "Details": "詳細",
    "Use selected model": "選択したモデルを使う",
    "Download selected…": "選択したモデルをダウンロード…",
    "Import weights file…": "重みファイルを取り込み…",
    "Checking installed models…": "インストール済みのモデルを確認中…",
    "installed": "インストール済み",
    "Select an image (CLIP) model first.": "先に画像（CLIP）モデルを選択してください。",
    "Downloading {0}…": "{0} をダウンロード中…",
    "CLIP weights file": "CLIPの重みファイル",
    "Importing {0}…": "{0} を取り込み中…",
    "Installed: {0}": "インストールしました：{0}",
    "Automatic (GPU when available)": "自動（使えればGPU）",
    "CPU": "CPU",
    "GPU (CUDA)": "GPU（CUDA）",
    "GPU (Apple)": "GPU（Apple）",
    "Automatic (bfloat16 where the CPU supports it)": "自動（CPUが対応していればbfloat16）",
    "Full precision (float32)": "完全精度（float32）",
    "bfloat16 (faster on recent CPUs)": "bfloat16（最近のCPUで高速）",
    "Precision on the CPU:": "CPUでの計算精度：",
    "Follow the system": "システムに従う",
    "Read text in scans and photos (OCR)": "スキャンや写真の文字を読み取る（OCR）",
    "Watch folders for changes": "フォルダの変更を監視する",
    " min": " 分",
    "Browse…": "参照…",
    "Device:": "デバイス：",
    "Language:": "言語：",
    "Full rescan every:": "全体の再スキャン間隔：",
    "Index location:": "インデックスの場所：",
    "A new index location is used from the next start.": "新しいインデックスの場所は次回起動時から使われます。",
    "Index location": "インデックスの場所",
    "Semantic text search is off.": "意味によるテキスト検索はオフです。",
    "Word, part-number and image search work. The text model could not be loaded: {0}": "語・型番・画像による検索は使えます。テキストモデルを読み込めませんでした：{0}",
    "Models…": "モデル…",
    # damaged index (desktop/repair_dialog.py)
    "The search index is missing or empty, although folders were indexed.": "検索インデックスが見つからないか空です（フォルダはインデックス済みでした）。",
    "The search index holds no data, although folders were indexed.": "検索インデックスにデータがありません（フォルダはインデックス済みでした）。",
    "The search index file was overwritten and cannot be read.": "検索インデックスのファイルが上書きされていて読み取れません。",
    "The search index file is cut short (truncated).": "検索インデックスのファイルが途中で切れています（破損）。",
    "The search index file is damaged.": "検索インデックスのファイルが破損しています。",
    "Sagasu — the search index is damaged": "探す — 検索インデックスが破損しています",
    "Sagasu can rebuild it: the damaged file is kept in the “{0}” folder of {1}, the last good backup is restored and your folders are indexed again (only what changed since the backup). Your settings are kept.": "再構築できます。破損したファイルは {1} の「{0}」フォルダに保管し、最後の正常なバックアップを復元してから、フォルダをもう一度インデックスします（バックアップ以降に変わった分だけ）。設定はそのまま残ります。",
    "Rebuild the index": "インデックスを再構築",
    "Quit": "終了",
    "Restoring the last good backup…": "最後の正常なバックアップを復元しています…",
    "Close Sagasu and start it again to rebuild it.": "再構築するには、探すを終了してもう一度起動してください。",
    "The index could not be rebuilt: {0}": "インデックスを再構築できませんでした：{0}",
    # engine messages (desktop/messages.py)
    "Something went wrong: {0}": "問題が発生しました：{0}",
    "Looking for files": "ファイルを探しています",
    "Reading files": "ファイルを読み込み中",
    "Encoding images": "画像をエンコード中",
    "Calibrating scores": "スコアを調整中",
    "Updating the figure index": "図の索引を更新中",
    "Reading text in scans and photos": "スキャンや写真の文字を読み取り中",
    "Forgetting a removed folder": "削除したフォルダの情報を消去中",
    "Evaluating": "評価中",
    "Type a query or drop an image to search.": "検索語を入力するか、画像をドロップしてください。",
    "Nothing to search for in “{text}”: only common words or symbols.": "「{text}」には検索できる語がありません（一般的な語や記号だけです）。",
    "No matches.": "見つかりませんでした。",
    "Read from the photo: {terms}": "写真から読み取った文字：{terms}",
    "Image search is off: {problem}": "画像検索はオフです：{problem}",
    "Semantic text search is off (word search still works): {problem}": "意味によるテキスト検索はオフです（語による検索は使えます）：{problem}",
    "Text on photos is not read: {problem}": "写真の文字は読み取られません：{problem}",
    "That result is no longer in the index.": "その結果はもうインデックスにありません。",
    "No file mentions {part}; the results are only related.": "{part} を含むファイルはありません。以下は関連する結果です。",
    # a read-only index folder, a full disk (desktop/messages.py)
    "This index folder is read-only: searching works, but indexing and changing settings are unavailable.": "このインデックスフォルダは読み取り専用です。検索はできますが、インデックス作成と設定の変更はできません。",
    "The disk holding the search index is full. Free some space, then index again; what was indexed is kept.": "検索インデックスを置いたディスクがいっぱいです。空き容量を作ってから、もう一度インデックスしてください。インデックス済みの分はそのまま残ります。",
    "The index folder is read-only: searching works, but indexing and changing settings need write access to it.": "インデックスフォルダは読み取り専用です。検索はできますが、インデックス作成と設定の変更にはこのフォルダへの書き込み権限が必要です。",
    "text similarity ({similarity:.2f})": "文章の類似度（{similarity:.2f}）",
    "looks like the description ({similarity:.2f})": "説明に合う見た目（{similarity:.2f}）",
    "visually similar ({similarity:.2f})": "見た目が似ている（{similarity:.2f}）",
    "text about it ({similarity:.2f})": "これについての文章（{similarity:.2f}）",
    "terms: {terms}": "含まれる語：{terms}",
    "text read from the photo: {terms}": "写真から読み取った語：{terms}",
    "part number {part}": "型番 {part}",
    "similar part number {part}": "類似の型番 {part}",
    "part number {part} (read from the photo)": "型番 {part}（写真から読み取り）",
    "similar part number {part} (read from the photo)": "類似の型番 {part}（写真から読み取り）",
    "figure matched ({inliers} inliers)": "図が一致（対応点 {inliers} 個）",
    "shows the text read from the photo ({share:.0%}): “{excerpt}”": "写真から読み取った文章が載っている（{share:.0%}）：「{excerpt}」",
    "{detail}": "{detail}",
    "could not be read ({error})": "読み込めませんでした（{error}）",
    "reading it gave nothing for {seconds:.0f} s and was stopped (setting extract_stall_seconds)": "{seconds:.0f} 秒間読み込みが進まなかったため中止しました（設定 extract_stall_seconds）",
    "reading it took over {seconds:.0f} s and was stopped (setting extract_file_seconds)": "読み込みに {seconds:.0f} 秒以上かかったため中止しました（設定 extract_file_seconds）",
    "the process reading it ended unexpectedly ({detail})": "読み込み中のプロセスが予期せず終了しました（{detail}）",
    "{0} of {1} files": "{0} / {1} ファイル",
    "{0} of {1}": "{0} / {1}",
    "{0} files found": "{0} 個のファイルを発見",
    "{0} s": "{0} 秒",
    "{0} min": "{0} 分",
    "{0} h {1} min": "{0} 時間 {1} 分",
}

# Same source text, different meaning per context.
JA_BY_CONTEXT = {("SettingsDialog", "missing"): "未インストール"}


def fill(path: Path = TS) -> list[str]:
    """Fill every message; return the sources still lacking a translation."""
    tree = ET.parse(path)
    missing = []
    for context in tree.getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            text = JA_BY_CONTEXT.get((name, source)) or JA.get(source)
            target = message.find("translation")
            assert target is not None
            if text is None:
                missing.append(source)
                continue
            target.text = text
            target.attrib.pop("type", None)  # no longer "unfinished"
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return missing


if __name__ == "__main__":
    left = fill()
    for source in left:
        print(f"untranslated: {source!r}", file=sys.stderr)
    sys.exit(1 if left else 0)
