<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="ja_JP">
  <context>
    <name>DropZone</name>
    <message>
      <location filename="../../desktop/drop_zone.py" line="58" />
      <source>Only files on this computer can be dropped (not web links).</source>
      <translation>ドロップできるのはこのコンピュータ上のファイルだけです（Webリンクは不可）。</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="63" />
      <source>Nothing usable was dropped: drop an image file or a PDF.</source>
      <translation>使えるものがドロップされませんでした。画像ファイルかPDFをドロップしてください。</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="77" />
      <source>pasted image</source>
      <translation>貼り付けた画像</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="81" />
      <source>The pasted image cannot be used: {0}</source>
      <translation>貼り付けた画像は使えません：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="89" />
      <source>{0} is a folder. Add folders to index in Settings; drop a single image to search.</source>
      <translation>{0} はフォルダです。フォルダは設定でインデックス対象に追加してください。検索には画像を1枚ドロップします。</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="96" />
      <source>{0} does not exist.</source>
      <translation>{0} は存在しません。</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="105" />
      <source>{0} cannot be used as a query image: {1}</source>
      <translation>{0} は検索画像として使えません：{1}</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="123" />
      <source>{0} cannot be read as a PDF: {1}</source>
      <translation>{0} をPDFとして読めません：{1}</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="127" />
      <source>{0} p. {1}</source>
      <translation>{0} {1}ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="167" />
      <source>Drop an image or a PDF here, paste one (Ctrl+V), or use Open image…</source>
      <translation>画像やPDFをここにドロップ、貼り付け（Ctrl+V）、または「画像を開く…」</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="169" />
      <source>PDF page:</source>
      <translation>PDFのページ：</translation>
    </message>
  </context>
  <context>
    <name>LibraryTab</name>
    <message>
      <location filename="../../desktop/library_tab.py" line="35" />
      <source>This computer</source>
      <translation>このコンピュータ</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="36" />
      <source>Team server</source>
      <translation>チームサーバー</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="43" />
      <source>The system's certificates</source>
      <translation>システムの証明書</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="44" />
      <source>Browse…</source>
      <translation>参照…</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="54" />
      <source>Test connection</source>
      <translation>接続をテスト</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="59" />
      <source>Search in:</source>
      <translation>検索先：</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="60" />
      <source>Server address:</source>
      <translation>サーバーのアドレス：</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="61" />
      <source>Token:</source>
      <translation>トークン：</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="62" />
      <source>CA bundle:</source>
      <translation>CAバンドル：</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="63" />
      <source>Path mappings:</source>
      <translation>パスの対応：</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="66" />
      <source>One per line: SERVER PREFIX =&gt; LOCAL PREFIX. A result opens from this computer's copy; without one, the original can be downloaded. The token is kept in a file only you can read, in the index folder. Indexing, folders and models apply to this computer's index only.</source>
      <translation>1行に1つ：サーバー側の接頭辞 =&gt; このコンピュータ側の接頭辞。結果はこのコンピュータ上のコピーで開きます。コピーがなければ原本をダウンロードできます。トークンはインデックスのフォルダ内の、本人だけが読めるファイルに保存されます。インデックス作成・フォルダ・モデルはこのコンピュータのインデックスにだけ適用されます。</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="94" />
      <source>Path mappings, {0}</source>
      <translation>パスの対応、{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="96" />
      <source>Enter the team server's address, or search this computer.</source>
      <translation>チームサーバーのアドレスを入力するか、このコンピュータを検索してください。</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="113" />
      <source>Enter the team server's address first.</source>
      <translation>先にチームサーバーのアドレスを入力してください。</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="116" />
      <source>Connecting…</source>
      <translation>接続中…</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="131" />
      <source>Connected: {0} files in your folders on the server.</source>
      <translation>接続しました：サーバー上のあなたのフォルダに {0} 件のファイルがあります。</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="152" />
      <source>CA bundle</source>
      <translation>CAバンドル</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="152" />
      <source>Certificates (*.pem *.crt *.cer);;All (*)</source>
      <translation>証明書 (*.pem *.crt *.cer);;すべて (*)</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <location filename="../../desktop/main_window.py" line="213" />
      <source>Sagasu — search PDFs and photos</source>
      <translation>探す — PDFと写真を検索</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="215" />
      <source>Search text, part numbers, descriptions… (English or Japanese)</source>
      <translation>文章・型番・説明で検索…（日本語・英語）</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="217" />
      <source>Open image…</source>
      <translation>画像を開く…</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="218" />
      <source>Paste image</source>
      <translation>画像を貼り付け</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="219" />
      <source>Index now</source>
      <translation>今すぐインデックス</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="220" />
      <source>Pause</source>
      <translation>一時停止</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="221" />
      <source>Cancel</source>
      <translation>中止</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="222" />
      <source>Settings…</source>
      <translation>設定…</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="223" />
      <source>Evaluation report</source>
      <translation>評価レポート</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="225" />
      <source>Open the latest report of `sagasu eval` for this index</source>
      <translation>このインデックスの最新の `sagasu eval` レポートを開く</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="261" />
      <source>Something went wrong: {0}</source>
      <translation>問題が発生しました：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="295" />
      <source>{0} is missing (moved or deleted).</source>
      <translation>{0} が見つかりません（移動または削除されました）。</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="298" />
      <location filename="../../desktop/window_team.py" line="196" />
      <source>No application could open {0}.</source>
      <translation>{0} を開けるアプリケーションがありません。</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="306" />
      <source>Open</source>
      <translation>開く</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="308" />
      <source>Open containing folder</source>
      <translation>フォルダを開く</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="309" />
      <source>Copy path</source>
      <translation>パスをコピー</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="311" />
      <source>Find similar</source>
      <translation>類似を検索</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="318" />
      <source>Stopping indexing…</source>
      <translation>インデックス作成を停止中…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="42" />
      <source>Paused</source>
      <translation>一時停止中</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="57" />
      <source>Indexing…</source>
      <translation>インデックス作成中…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="83" />
      <source>Text search works on every file now; pages and pictures are still being read.</source>
      <translation>すべてのファイルで文字検索が使えるようになりました。ページと画像はまだ読み込み中です。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="101" />
      <source>Indexing cancelled; what was indexed is kept. Index now to finish.</source>
      <translation>インデックス作成を中止しました。作成済みの分は保持されます。「今すぐインデックス」で続きを実行できます。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="108" />
      <source>Indexed {0} new or changed files ({1} pages, {2} photos)</source>
      <translation>新規・変更ファイル {0} 件をインデックスしました（{1} ページ、写真 {2} 枚）</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="112" />
      <source>{0} skipped</source>
      <translation>{0} 件スキップ</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="119" />
      <source>Indexing stopped: {0}</source>
      <translation>インデックス作成が停止しました：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="128" />
      <source>No evaluation report yet. Run `sagasu eval --report queries.csv` to measure this index with your own labelled queries.</source>
      <translation>評価レポートはまだありません。`sagasu eval --report queries.csv` を実行すると、ラベル付きのクエリでこのインデックスを評価できます。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="150" />
      <source>{0} files indexed: {1} pages, {2} photos, {3} figures</source>
      <translation>インデックス済み {0} ファイル：{1} ページ、写真 {2} 枚、図 {3} 点</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="162" />
      <source>last update {0}</source>
      <translation>最終更新 {0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="181" />
      <source>Image search is off: the image model (CLIP) is not installed.</source>
      <translation>画像検索は無効です：画像モデル（CLIP）がインストールされていません。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="185" />
      <source>Text search works. Download the model or import a weights file you already have, then the images already indexed are encoded.</source>
      <translation>テキスト検索は使えます。モデルをダウンロードするか、お持ちの重みファイルを取り込むと、インデックス済みの画像が符号化されます。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="192" />
      <source>Download…</source>
      <translation>ダウンロード…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="196" />
      <source>Import…</source>
      <translation>取り込み…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="207" />
      <source>Semantic text search is off.</source>
      <translation>意味によるテキスト検索はオフです。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="209" />
      <source>Word, part-number and image search work. The text model could not be loaded: {0}</source>
      <translation>語・型番・画像による検索は使えます。テキストモデルを読み込めませんでした：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="215" />
      <source>Models…</source>
      <translation>モデル…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="238" />
      <source>Add a folder…</source>
      <translation>フォルダを追加…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="246" />
      <source>Index the sample files</source>
      <translation>サンプルをインデックス</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="252" />
      <source>Welcome to Sagasu.</source>
      <translation>「探す」へようこそ。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="254" />
      <source>Add a folder of PDFs and photos to index; searching works while it indexes. Or try the bundled samples first.</source>
      <translation>PDFや写真のフォルダを追加するとインデックスを作成します。作成中も検索できます。まずは付属のサンプルで試すこともできます。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="312" />
      <source>The new index location is used from the next start.</source>
      <translation>新しいインデックスの場所は次回起動時から使われます。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="64" />
      <source>Searching…</source>
      <translation>検索中…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="89" />
      <source>Search failed: {0}</source>
      <translation>検索に失敗しました：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="108" />
      <source>{0} results in {1} ms</source>
      <translation>{0} 件（{1} ミリ秒）</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="113" />
      <source>Reading the text on the photo…</source>
      <translation>写真の文字を読み取っています…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="142" />
      <source>Reading the dropped image…</source>
      <translation>ドロップされた画像を読み込み中…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="157" />
      <source>{0} files were dropped; searching with the first one.</source>
      <translation>{0} 個のファイルがドロップされました。最初のファイルで検索します。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="161" />
      <source>Searching by image: {0}</source>
      <translation>画像で検索：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="173" />
      <source>That cannot be used: {0}</source>
      <translation>使用できません：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="183" />
      <source>Search with an image</source>
      <translation>画像で検索</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="185" />
      <source>Images and PDFs (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp *.pdf)</source>
      <translation>画像とPDF (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp *.pdf)</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="200" />
      <source>The clipboard holds no image.</source>
      <translation>クリップボードに画像がありません。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="208" />
      <source>Similar to: {0}</source>
      <translation>類似：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="80" />
      <source>Team server {0}: </source>
      <translation>チームサーバー {0}：</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="86" />
      <source>The team server indexes its own folders; choose This computer in Settings → Library to index here.</source>
      <translation>チームサーバーは自身のフォルダをインデックスします。ここでインデックスするには 設定 → ライブラリ で「このコンピュータ」を選んでください。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="111" />
      <source>The team server is offline.</source>
      <translation>チームサーバーに接続できません。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="115" />
      <source>This computer's index can still be searched.</source>
      <translation>このコンピュータのインデックスは引き続き検索できます。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="120" />
      <source>Search this computer</source>
      <translation>このコンピュータを検索</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="164" />
      <source>{0} is not on this computer (looked for {1}).</source>
      <translation>{0} はこのコンピュータにありません（{1} を探しました）。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="170" />
      <source>Download from the server and open</source>
      <translation>サーバーからダウンロードして開く</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="184" />
      <source>Downloading {0}…</source>
      <translation>{0} をダウンロード中…</translation>
    </message>
  </context>
  <context>
    <name>Messages</name>
    <message>
      <location filename="../../desktop/messages.py" line="23" />
      <source>Looking for files</source>
      <translation>ファイルを探しています</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="24" />
      <source>Reading text (word search)</source>
      <translation>文字を読み込み中（語句検索）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="25" />
      <source>Encoding text</source>
      <translation>文章をベクトル化中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="26" />
      <source>Reading pages and pictures</source>
      <translation>ページと画像を読み込み中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="27" />
      <source>Encoding images</source>
      <translation>画像をエンコード中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="28" />
      <source>Calibrating scores</source>
      <translation>スコアを調整中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="29" />
      <source>Updating the figure index</source>
      <translation>図の索引を更新中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="30" />
      <source>Reading text in scans and photos</source>
      <translation>スキャンや写真の文字を読み取り中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="31" />
      <source>Forgetting a removed folder</source>
      <translation>削除したフォルダの情報を消去中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="32" />
      <source>Evaluating</source>
      <translation>評価中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="38" />
      <source>Type a query or drop an image to search.</source>
      <translation>検索語を入力するか、画像をドロップしてください。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="41" />
      <source>Nothing to search for in “{text}”: only common words or symbols.</source>
      <translation>「{text}」には検索できる語がありません（一般的な語や記号だけです）。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="44" />
      <source>No matches.</source>
      <translation>見つかりませんでした。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="45" />
      <source>Reading the text on the photo…</source>
      <translation>写真の文字を読み取っています…</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="48" />
      <source>Read from the photo: {terms}</source>
      <translation>写真から読み取った文字：{terms}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="51" />
      <source>Image search is off: {problem}</source>
      <translation>画像検索はオフです：{problem}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="54" />
      <source>Semantic text search is off (word search still works): {problem}</source>
      <translation>意味によるテキスト検索はオフです（語による検索は使えます）：{problem}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="57" />
      <source>Text on photos is not read: {problem}</source>
      <translation>写真の文字は読み取られません：{problem}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="60" />
      <source>That result is no longer in the index.</source>
      <translation>その結果はもうインデックスにありません。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="63" />
      <source>No file mentions {part}; the results are only related.</source>
      <translation>{part} を含むファイルはありません。以下は関連する結果です。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="66" />
      <source>This index folder is read-only: searching works, but indexing and changing settings are unavailable.</source>
      <translation>このインデックスフォルダは読み取り専用です。検索はできますが、インデックス作成と設定の変更はできません。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="76" />
      <source>text similarity ({similarity:.2f})</source>
      <translation>文章の類似度（{similarity:.2f}）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="79" />
      <source>looks like the description ({similarity:.2f})</source>
      <translation>説明に合う見た目（{similarity:.2f}）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="82" />
      <source>visually similar ({similarity:.2f})</source>
      <translation>見た目が似ている（{similarity:.2f}）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="85" />
      <source>text about it ({similarity:.2f})</source>
      <translation>これについての文章（{similarity:.2f}）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="88" />
      <source>terms: {terms}</source>
      <translation>含まれる語：{terms}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="89" />
      <source>text read from the photo: {terms}</source>
      <translation>写真から読み取った語：{terms}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="92" />
      <source>part number {part}</source>
      <translation>型番 {part}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="93" />
      <source>similar part number {part}</source>
      <translation>類似の型番 {part}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="96" />
      <source>part number {part} (read from the photo)</source>
      <translation>型番 {part}（写真から読み取り）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="99" />
      <source>similar part number {part} (read from the photo)</source>
      <translation>類似の型番 {part}（写真から読み取り）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="102" />
      <source>figure matched ({inliers} inliers)</source>
      <translation>図が一致（対応点 {inliers} 個）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="105" />
      <source>shows the text read from the photo ({share:.0%}): “{excerpt}”</source>
      <translation>写真から読み取った文章が載っている（{share:.0%}）：「{excerpt}」</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="108" />
      <source>{detail}</source>
      <translation>{detail}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="109" />
      <source>could not be read ({error})</source>
      <translation>読み込めませんでした（{error}）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="112" />
      <source>reading it gave nothing for {seconds:.0f} s and was stopped (setting extract_stall_seconds)</source>
      <translation>{seconds:.0f} 秒間読み込みが進まなかったため中止しました（設定 extract_stall_seconds）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="117" />
      <source>reading it took over {seconds:.0f} s and was stopped (setting extract_file_seconds)</source>
      <translation>読み込みに {seconds:.0f} 秒以上かかったため中止しました（設定 extract_file_seconds）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="121" />
      <source>the process reading it ended unexpectedly ({detail})</source>
      <translation>読み込み中のプロセスが予期せず終了しました（{detail}）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="129" />
      <source>The disk holding the search index is full. Free some space, then index again; what was indexed is kept.</source>
      <translation>検索インデックスを置いたディスクがいっぱいです。空き容量を作ってから、もう一度インデックスしてください。インデックス済みの分はそのまま残ります。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="134" />
      <source>The index folder is read-only: searching works, but indexing and changing settings need write access to it.</source>
      <translation>インデックスフォルダは読み取り専用です。検索はできますが、インデックス作成と設定の変更にはこのフォルダへの書き込み権限が必要です。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="165" />
      <source>{0} of {1} files</source>
      <translation>{0} / {1} ファイル</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="167" />
      <source>{0} of {1}</source>
      <translation>{0} / {1}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="171" />
      <source>{0} files found</source>
      <translation>{0} 個のファイルを発見</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="174" />
      <source>{0} of {1} pages</source>
      <translation>{0} / {1} ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="179" />
      <source>{0} pages</source>
      <translation>{0} ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="181" />
      <source>{0:.1f} pages/s</source>
      <translation>{0:.1f} ページ/秒</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="184" />
      <source>about {0} left</source>
      <translation>残り約 {0}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="201" />
      <source>word search on {0} files, pictures on {1} so far</source>
      <translation>語句検索は {0} ファイルで可能、画像は今のところ {1} ファイル</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="209" />
      <source>{0} s</source>
      <translation>{0} 秒</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="211" />
      <source>{0} min</source>
      <translation>{0} 分</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="212" />
      <source>{0} h {1} min</source>
      <translation>{0} 時間 {1} 分</translation>
    </message>
  </context>
  <context>
    <name>PreviewPane</name>
    <message>
      <location filename="../../desktop/preview.py" line="99" />
      <source>Select a result to preview it.</source>
      <translation>結果を選択するとプレビューを表示します。</translation>
    </message>
    <message>
      <location filename="../../desktop/preview.py" line="102" />
      <source>Copy path</source>
      <translation>パスをコピー</translation>
    </message>
    <message>
      <location filename="../../desktop/preview.py" line="103" />
      <source>Copy the full path of this file</source>
      <translation>このファイルのフルパスをコピー</translation>
    </message>
    <message>
      <location filename="../../desktop/preview.py" line="114" />
      <source>This file is missing.</source>
      <translation>このファイルは見つかりません。</translation>
    </message>
    <message>
      <location filename="../../desktop/preview.py" line="117" />
      <source>It was moved or deleted since it was indexed.</source>
      <translation>インデックス作成後に移動または削除されました。</translation>
    </message>
    <message>
      <location filename="../../desktop/preview.py" line="132" />
      <source>No preview</source>
      <translation>プレビューなし</translation>
    </message>
  </context>
  <context>
    <name>Repair</name>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="35" />
      <source>The search index is missing or empty, although folders were indexed.</source>
      <translation>検索インデックスが見つからないか空です（フォルダはインデックス済みでした）。</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="38" />
      <source>The search index holds no data, although folders were indexed.</source>
      <translation>検索インデックスにデータがありません（フォルダはインデックス済みでした）。</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="41" />
      <source>The search index file was overwritten and cannot be read.</source>
      <translation>検索インデックスのファイルが上書きされていて読み取れません。</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="44" />
      <source>The search index file is cut short (truncated).</source>
      <translation>検索インデックスのファイルが途中で切れています（破損）。</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="47" />
      <source>The search index file is damaged.</source>
      <translation>検索インデックスのファイルが破損しています。</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="67" />
      <source>Close Sagasu and start it again to rebuild it.</source>
      <translation>再構築するには、探すを終了してもう一度起動してください。</translation>
    </message>
  </context>
  <context>
    <name>RepairDialog</name>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="85" />
      <source>Sagasu — the search index is damaged</source>
      <translation>探す — 検索インデックスが破損しています</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="91" />
      <source>Sagasu can rebuild it: the damaged file is kept in the “{0}” folder of {1}, the last good backup is restored and your folders are indexed again (only what changed since the backup). Your settings are kept.</source>
      <translation>再構築できます。破損したファイルは {1} の「{0}」フォルダに保管し、最後の正常なバックアップを復元してから、フォルダをもう一度インデックスします（バックアップ以降に変わった分だけ）。設定はそのまま残ります。</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="101" />
      <source>Rebuild the index</source>
      <translation>インデックスを再構築</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="102" />
      <source>Quit</source>
      <translation>終了</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="117" />
      <source>Restoring the last good backup…</source>
      <translation>最後の正常なバックアップを復元しています…</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="141" />
      <source>The index could not be rebuilt: {0}</source>
      <translation>インデックスを再構築できませんでした：{0}</translation>
    </message>
  </context>
  <context>
    <name>ResultsModel</name>
    <message>
      <location filename="../../desktop/results_model.py" line="86" />
      <source>p. {0}</source>
      <translation>{0}ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="88" />
      <source>missing</source>
      <translation>ファイルなし</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="97" />
      <source>Page {0}</source>
      <translation>{0}ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="98" />
      <source>Kind: {0}</source>
      <translation>種類：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="99" />
      <source>Score: {0}</source>
      <translation>スコア：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="102" />
      <source>Why it matched: {0}</source>
      <translation>一致した理由：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="105" />
      <source>Also on pages: {0}</source>
      <translation>他の該当ページ：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="107" />
      <source>File is missing</source>
      <translation>ファイルが見つかりません</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="114" />
      <source>page</source>
      <translation>ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="115" />
      <source>figure</source>
      <translation>図</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="116" />
      <source>photo</source>
      <translation>写真</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="117" />
      <source>text</source>
      <translation>本文</translation>
    </message>
  </context>
  <context>
    <name>SettingsDialog</name>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="55" />
      <source>Sagasu settings</source>
      <translation>「探す」の設定</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="63" />
      <source>Folders</source>
      <translation>フォルダ</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="64" />
      <source>Models</source>
      <translation>モデル</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="65" />
      <source>General</source>
      <translation>全般</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="67" />
      <source>Library</source>
      <translation>ライブラリ</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="88" />
      <source>Add folder…</source>
      <translation>フォルダを追加…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="90" />
      <source>Remove</source>
      <translation>削除</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="93" />
      <source>e.g. *.pdf, drawings/**</source>
      <translation>例：*.pdf, drawings/**</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="95" />
      <source>e.g. old/**, *_draft.pdf</source>
      <translation>例：old/**, *_draft.pdf</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="103" />
      <source>Include only:</source>
      <translation>対象のみ：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="104" />
      <source>Exclude:</source>
      <translation>除外：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="106" />
      <source>Folders to index (PDFs and photos inside are searched):</source>
      <translation>インデックスするフォルダ（中のPDFと写真が検索対象になります）：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="114" />
      <source>Folder to index</source>
      <translation>インデックスするフォルダ</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="162" />
      <source>Model</source>
      <translation>モデル</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="162" />
      <source>State</source>
      <translation>状態</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="162" />
      <source>Details</source>
      <translation>詳細</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="167" />
      <source>Use selected model</source>
      <translation>選択したモデルを使う</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="169" />
      <source>Download selected…</source>
      <translation>選択したモデルをダウンロード…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="171" />
      <source>Import weights file…</source>
      <translation>重みファイルを取り込み…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="191" />
      <source>Checking installed models…</source>
      <translation>インストール済みのモデルを確認中…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="199" />
      <source>installed</source>
      <translation>インストール済み</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="199" />
      <source>missing</source>
      <translation>未インストール</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="224" />
      <source>Select an image (CLIP) model first.</source>
      <translation>先に画像（CLIP）モデルを選択してください。</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="227" />
      <source>Downloading {0}…</source>
      <translation>{0} をダウンロード中…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="236" />
      <source>CLIP weights file</source>
      <translation>CLIPの重みファイル</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="244" />
      <source>Importing {0}…</source>
      <translation>{0} を取り込み中…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="264" />
      <source>Installed: {0}</source>
      <translation>インストールしました：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="283" />
      <source>Automatic (GPU when available)</source>
      <translation>自動（使えればGPU）</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="284" />
      <source>CPU</source>
      <translation>CPU</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="285" />
      <source>GPU (CUDA)</source>
      <translation>GPU（CUDA）</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="286" />
      <source>GPU (Apple)</source>
      <translation>GPU（Apple）</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="292" />
      <source>Automatic (bfloat16 where the CPU supports it)</source>
      <translation>自動（CPUが対応していればbfloat16）</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="293" />
      <source>Full precision (float32)</source>
      <translation>完全精度（float32）</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="294" />
      <source>bfloat16 (faster on recent CPUs)</source>
      <translation>bfloat16（最近のCPUで高速）</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="299" />
      <source>Follow the system</source>
      <translation>システムに従う</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="302" />
      <source>Read text in scans and photos (OCR)</source>
      <translation>スキャンや写真の文字を読み取る（OCR）</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="304" />
      <source>Watch folders for changes</source>
      <translation>フォルダの変更を監視する</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="308" />
      <source> min</source>
      <translation> 分</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="311" />
      <source>Browse…</source>
      <translation>参照…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="317" />
      <source>Device:</source>
      <translation>デバイス：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="318" />
      <source>Precision on the CPU:</source>
      <translation>CPUでの計算精度：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="319" />
      <source>Language:</source>
      <translation>言語：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="322" />
      <source>Full rescan every:</source>
      <translation>全体の再スキャン間隔：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="323" />
      <source>Index location:</source>
      <translation>インデックスの場所：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="324" />
      <source>A new index location is used from the next start.</source>
      <translation>新しいインデックスの場所は次回起動時から使われます。</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="330" />
      <source>Index location</source>
      <translation>インデックスの場所</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="351" />
      <source>The token cannot be saved in {0}: {1}</source>
      <translation>トークンを {0} に保存できません：{1}</translation>
    </message>
  </context>
  <context>
    <name>TeamMessages</name>
    <message>
      <location filename="../../desktop/team_messages.py" line="15" />
      <source>The team server at {0} does not answer: {1}</source>
      <translation>{0} のチームサーバーが応答しません：{1}</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="20" />
      <source>The server does not accept this token.</source>
      <translation>サーバーがこのトークンを受け付けません。</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="23" />
      <source>This item is not readable with your token.</source>
      <translation>この項目はあなたのトークンでは読めません。</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="26" />
      <source>The image is too large for the server.</source>
      <translation>画像がサーバーの上限を超えています。</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="29" />
      <source>The server cannot read this image.</source>
      <translation>サーバーがこの画像を読めません。</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="32" />
      <source>The server is busy repairing its index; try again shortly.</source>
      <translation>サーバーはインデックスを修復中です。しばらくしてからもう一度お試しください。</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="35" />
      <source>The file is no longer on the server's disk.</source>
      <translation>このファイルはもうサーバーのディスクにありません。</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="39" />
      <source>The server answered: {0}</source>
      <translation>サーバーの応答：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="42" />
      <source>Something went wrong: {0}</source>
      <translation>問題が発生しました：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="50" />
      <source>no answer in time</source>
      <translation>時間内に応答がありません</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="51" />
      <source>connection refused or no route</source>
      <translation>接続が拒否されたか、経路がありません</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="54" />
      <source>its certificate is not trusted; set the CA bundle in Settings → Library</source>
      <translation>証明書が信頼されていません。設定 → ライブラリ でCAバンドルを指定してください</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="58" />
      <source>the connection broke off</source>
      <translation>接続が途中で切れました</translation>
    </message>
  </context>
</TS>